// Ticks the "Connected mm:ss" clock, the time left and the cost so far once a second, between the (slow) status polls.
// The cost comes as steps the server formatted ("60=<amount>|120=<amount>"): this script picks one, it formats no money.
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
  function costAt(steps, seconds) {
    var shown = null;
    steps.split('|').forEach(function (step) {
      var cut = step.indexOf('=');
      if (Number(step.slice(0, cut)) <= seconds) shown = step.slice(cut + 1);
    });
    return shown;
  }
  function tickCost() {
    var now = Date.now();
    document.querySelectorAll('[data-cost-steps]').forEach(function (el) {
      if (!el.dataset.costStart) el.dataset.costStart = String(now);
      var seconds = Number(el.dataset.costSeconds) + (now - Number(el.dataset.costStart)) / 1000;
      var shown = costAt(el.dataset.costSteps, seconds);
      if (shown !== null) el.textContent = shown;
    });
  }
  // The call page's timeline is written in UTC; the browser knows the user's own time zone.
  function localTimes() {
    document.querySelectorAll('time[data-local-time]').forEach(function (el) {
      var at = new Date(el.getAttribute('datetime'));
      if (!isNaN(at.getTime())) el.textContent = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
      el.removeAttribute('data-local-time');
    });
  }
  localTimes();
  setInterval(function () {
    tick();
    tickCost();
  }, 1000);
})();
