// The export page: the purpose list follows the chosen survey and recipient as they change, from the table the
// server wrote into the select (data-purposes: survey → recipient id → [[value, label], …]). Without this script
// the page's "Show the purposes" button does the same through the server.
(function () {
  "use strict";
  var survey = document.getElementById("survey");
  var recipient = document.getElementById("recipient");
  var purpose = document.getElementById("purpose");
  if (!survey || !recipient || !purpose || !purpose.dataset.purposes) {
    return;
  }
  var table = JSON.parse(purpose.dataset.purposes);

  function refill() {
    var choices = (table[survey.value] || {})[recipient.value] || [];
    var kept = purpose.value;
    while (purpose.options.length) {
      purpose.remove(0);
    }
    choices.forEach(function (choice) {
      purpose.add(new Option(choice[1], choice[0], false, choice[0] === kept));
    });
  }

  survey.addEventListener("change", refill);
  recipient.addEventListener("change", refill);
  // A page brought back from the history keeps the selects as they were left, not as the server wrote them.
  window.addEventListener("pageshow", refill);
  refill();
  var show = document.getElementById("show-purposes");
  if (show) {
    show.hidden = true;
  }
})();
