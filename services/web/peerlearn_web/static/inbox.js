// The inbox's live parts only: every page works without this file. New notifications come
// from /live/inbox (notify's stream, relayed by the web service for the session's person);
// the rendered, escaped parts are then fetched from the server.
(function () {
  var live = document.querySelector("[data-inbox-live]");
  if (!live || !window.EventSource) { return; }
  var count = document.getElementById("unread-count");
  var part = document.querySelector("[data-inbox-part]");
  function swap(target, url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && target) { target.innerHTML = html; } });
  }
  var source = new EventSource(live.getAttribute("data-inbox-live"));
  source.addEventListener("changed", function () {
    var done = [];
    if (count) { done.push(swap(count, "/inbox/count")); }
    if (part) { done.push(swap(part, part.getAttribute("data-inbox-part"))); }
    Promise.all(done).then(function () { document.body.setAttribute("data-inbox-refreshed", String(Date.now())); });
  });
  source.addEventListener("unavailable", function () { source.close(); });
})();
