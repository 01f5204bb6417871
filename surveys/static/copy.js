/* The Copy and Print buttons beside a code shown once (templates/respond/_code.html). They are hidden in the
   page and shown here only when they can work: the clipboard is offered to secure pages alone. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copy + "-status");
    if (!source || !status || !navigator.clipboard || !navigator.clipboard.writeText) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var code = source.textContent.replace(/\s+/g, "");
      status.textContent = "";  // emptied first, so that a second copy is announced again
      navigator.clipboard.writeText(code).then(function () {
        status.textContent = button.dataset.copied;
      }, function () {
        status.textContent = button.dataset.failed;
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
    if (typeof window.print !== "function") { return; }
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
