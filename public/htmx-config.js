// htmx's settings, in the cached script rather than a meta tag in every page (issue #25: bytes per page). This runs
// right after htmx and before the document is ready, which is when htmx applies its settings and processes the page.
// No eval and no inline styles (strict CSP); requests to this origin only; no history cache; a long poll's 204 is not
// swapped; a 422 (a form with errors) is swapped and not an error; other 4xx/5xx are errors, not swapped.
(function () {
  'use strict';
  var settings = {
    includeIndicatorStyles: false, allowEval: false, allowScriptTags: false, selfRequestsOnly: true, historyCacheSize: 0,
    responseHandling: [{ code: '204', swap: false }, { code: '[23]..', swap: true }, { code: '422', swap: true, error: false }, { code: '[45]..', swap: false, error: true }, { code: '...', swap: false }]
  };
  for (var name in settings) htmx.config[name] = settings[name];
})();
