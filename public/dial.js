// Dial page enhancement (progressive: the page works without it). Shows the dial pad, which types into the number
// field and lets htmx re-price it; Enter in the country search moves to the list instead of reloading the page.
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
      // The same event typing sends: htmx's "input changed delay:300ms" trigger then fetches the preview.
      field.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }

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
