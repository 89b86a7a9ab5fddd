// Dial page enhancement; the page works without it. See views/partials/dial-pad.eta.
(function () {
  'use strict';
  // The dial page a log-in answered with names its address (<link rel="canonical">): put that in the address bar,
  // so a reload asks for it with GET instead of sending the log-in form again.
  var canonical = document.querySelector('link[rel=canonical]');
  if (canonical) history.replaceState(history.state, '', canonical.href);
  var pad = document.getElementById('dial-pad');
  var field = document.getElementById('dial-to');
  if (pad && field) {
    pad.hidden = false;
    pad.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-key]');
      if (!button) return;
      var key = button.getAttribute('data-key');
      if (key === 'backspace') field.value = field.value.slice(0, -1);
      else if (key === 'clear') field.value = '';
      else field.value += key;
      // As if typed: htmx's "input changed delay:300ms" then fetches the preview.
      field.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }
  // A call that just ended spent credit: ask for the preview again so "Longest call" is not the old figure.
  document.body.addEventListener('htmx:afterSettle', function (event) {
    var status = event.target.closest && event.target.closest('#call-status');
    var ended = status && status.querySelector('.call-status[data-call-status]:not([hx-get])');
    if (ended && field && field.value) document.body.dispatchEvent(new Event('dial-country-changed'));
  });
  // Enter in the country search moves to the list instead of reloading the page (its no-JS behaviour).
  var search = document.getElementById('country-q');
  if (search) {
    search.addEventListener('keydown', function (event) {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      var list = document.getElementById('dial-country');
      if (list) list.focus();
    });
  }
})();
