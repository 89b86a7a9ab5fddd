// Ticks the "Connected mm:ss" clock and the time left once a second, between the (slow) status polls.
// Progressive enhancement only: without it the numbers still update on every poll or refresh.
(function () {
  'use strict';
  function format(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
    var ss = String(s % 60).padStart(2, '0');
    return h > 0 ? h + ':' + mm + ':' + ss : mm + ':' + ss;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-clock-seconds]').forEach(function (el) {
      // Counted from when this element appeared, so the browser's own clock being off does not matter.
      if (!el.dataset.clockStart) el.dataset.clockStart = String(now);
      var passed = (now - Number(el.dataset.clockStart)) / 1000;
      var base = Number(el.dataset.clockSeconds);
      el.textContent = format(el.dataset.clockDirection === 'down' ? base - passed : base + passed);
    });
  }
  setInterval(tick, 1000);
})();
