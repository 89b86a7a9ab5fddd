// Dial page enhancement; the page works without it. See views/partials/dial-pad.eta.
(function () {
  'use strict';
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
