// Applies the colour theme before the first paint, and cycles it on the toggle button.
// The server renders the user's saved preference into <html data-theme>; a choice made
// with the button is kept in this browser (localStorage) and wins over it.
(function () {
  "use strict";
  var KEY = "newsriver-theme";
  var ORDER = ["system", "light", "dark"];
  var LABELS = { system: "follow the system", light: "light", dark: "dark" };
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }

  function apply(theme) {
    root.dataset.theme = theme;
    var button = document.querySelector("[data-theme-toggle]");
    if (button) {
      button.setAttribute("aria-label", "Colour theme: " + LABELS[theme]);
      button.title = "Colour theme: " + LABELS[theme];
    }
  }

  var initial = stored();
  if (ORDER.indexOf(initial) >= 0) {
    root.dataset.theme = initial;
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply(ORDER.indexOf(root.dataset.theme) >= 0 ? root.dataset.theme : "system");
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      var next = ORDER[(ORDER.indexOf(root.dataset.theme) + 1) % ORDER.length];
      try {
        window.localStorage.setItem(KEY, next);
      } catch (e) {
        // Private windows may refuse storage: the theme still changes for this page.
      }
      apply(next);
    });
  });
})();
