// The live parts only: the page works without this file.
(function () {
  var part = document.querySelector("[data-live]");
  if (part && window.EventSource) {
    var source = new EventSource(part.getAttribute("data-live"));
    source.addEventListener("changed", function () {
      fetch(part.getAttribute("data-part"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { part.innerHTML = html; part.setAttribute("data-refreshed", String(Date.now())); } });
    });
    source.addEventListener("unavailable", function () { source.close(); });
  }
  var upload = document.querySelector("form[data-progress]");
  if (upload) {
    upload.addEventListener("submit", function () {
      var bar = upload.querySelector("progress");
      if (bar) { bar.hidden = false; }
    });
  }
})();
