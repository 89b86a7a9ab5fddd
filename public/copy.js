// Copy buttons for secrets shown once (a new API token, its webhook signing secret). Progressive enhancement: the
// page has no button until this runs, and without JavaScript the secret stays a selectable read-only field.
(function () {
  'use strict';
  function copyFrom(input, button, note) {
    var done = function (ok) {
      note.textContent = ok ? 'Copied.' : 'Could not copy: select the text and copy it yourself.';
      if (ok) button.textContent = 'Copied';
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () { done(fallback(input)); });
    } else {
      done(fallback(input));
    }
  }
  // Plain http (a development machine) has no clipboard API: select the text and use the older command.
  function fallback(input) {
    input.focus();
    input.select();
    try { return document.execCommand('copy'); } catch (e) { return false; }
  }
  function enhance() {
    var inputs = document.querySelectorAll('input[data-copy]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.getAttribute('data-copy-ready')) continue;
      input.setAttribute('data-copy-ready', '1');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button-secondary button-small copy-button';
      button.textContent = 'Copy';
      button.setAttribute('aria-label', input.getAttribute('data-copy'));
      var note = document.createElement('span');
      note.className = 'copy-note';
      note.setAttribute('role', 'status');
      input.insertAdjacentElement('afterend', note);
      input.insertAdjacentElement('afterend', button);
      button.addEventListener('click', copyFrom.bind(null, input, button, note));
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhance);
  else enhance();
})();
