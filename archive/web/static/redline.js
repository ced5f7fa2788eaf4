// Keyboard shortcuts for redline's viewer; every page works without this file.
//   j / k or n / p : next / previous change (links marked rel="next" / rel="prev")
//   s              : switch inline / side by side on a diff
//   /              : focus the search box
(function () {
  "use strict";
  function typing(target) {
    var name = target && target.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" || (target && target.isContentEditable);
  }
  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) { window.location.assign(link.href); return true; }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var done = false;
    if (event.key === "j" || event.key === "n") { done = follow('a[rel~="next"]'); }
    else if (event.key === "k" || event.key === "p") { done = follow('a[rel~="prev"]'); }
    else if (event.key === "s") { done = follow('a[data-key="s"]'); }
    else if (event.key === "/") {
      var box = document.querySelector('input[type="search"]');
      if (box) { box.focus(); done = true; }
    }
    if (done) { event.preventDefault(); }
  });
})();
