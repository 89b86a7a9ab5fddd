// The call status fragment is a long poll (src/calls/status-poll.ts): the server answers when the call changes,
// or an empty 204 after a while, which htmx does not swap. Ask again at once after a 204, and after a failed
// request (the server restarting, the network gone) ask again with a growing pause, so the page never gives up.
// Without JavaScript the fragment's Refresh link does the same.
(function () {
  'use strict';
  var ASK_AGAIN = 'call-status-wait';
  var MAX_PAUSE_MS = 30000;
  document.addEventListener('htmx:afterRequest', function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.matches || !elt.matches('.call-status[hx-get]')) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    // A 200 was swapped in: the new fragment asks by itself when it loads. A 404 is sent to the call's page.
    if (event.detail.successful && status !== 204) return;
    if (status === 404) return;
    var failures = status === 204 ? 0 : Number(elt.getAttribute('data-wait-failures') || 0) + 1;
    elt.setAttribute('data-wait-failures', String(failures));
    var pause = failures === 0 ? 0 : Math.min(MAX_PAUSE_MS, 500 * Math.pow(2, failures - 1));
    // After htmx has released this element's request (it does so after this event).
    setTimeout(function () {
      if (document.body.contains(elt)) htmx.trigger(elt, ASK_AGAIN);
    }, pause);
  });
})();
