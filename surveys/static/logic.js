/* Shows and hides the questions of one page as its answers change, evaluating the conditions the server
   parsed (their trees are in data-show-if) with the same evaluator (expressions.js). The server decides again
   when the page is sent, so the page works, and stays correct, without this script. */
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form) { return; }

  // The browser's offset from UTC: datetime inputs show local time, and the server is told how to read it.
  var offset = new Date().getTimezoneOffset();
  var tz = form.querySelector("input[name=tz_offset]");
  if (tz) { tz.value = String(offset); }
  Array.prototype.forEach.call(form.querySelectorAll("input[data-utc]"), function (input) {
    if (!input.value) { return; }
    var moment = new Date(input.value + ":00Z");
    if (isNaN(moment.getTime())) { return; }
    var local = new Date(moment.getTime() - offset * 60000);
    input.value = local.toISOString().slice(0, 16);
  });

  if (!form.dataset.logic || !window.SurveyExpressions) { return; }
  var logic = JSON.parse(form.dataset.logic);
  var evaluate = window.SurveyExpressions.evaluate;
  var isTrue = window.SurveyExpressions.isTrue;

  function typed(name, text) {
    var choices = logic.choices[name];
    if (choices) {
      for (var i = 0; i < choices.length; i++) { if (String(choices[i]) === text) { return choices[i]; } }
      return null;
    }
    var type = logic.types[name];
    if (type === "integer" || type === "number") {
      var number = Number(text);
      return text.trim() === "" || !isFinite(number) ? null : number;
    }
    if (type === "boolean") { return text === "yes" ? true : text === "no" ? false : null; }
    if (type === "time" || type === "date") { return text || null; }
    if (type === "datetime") {
      var moment = new Date(text);
      return text && !isNaN(moment.getTime()) ? moment.toISOString().slice(0, 19) + "Z" : null;
    }
    return text.trim() === "" ? null : text.trim();
  }

  function answer(name) {
    var inputs = form.querySelectorAll("[name='q_" + name + "']");
    if (!inputs.length) { return null; }
    var first = inputs[0];
    if (first.type === "checkbox") {
      var picked = [];
      Array.prototype.forEach.call(inputs, function (box) { if (box.checked) { picked.push(typed(name, box.value)); } });
      return picked.length ? picked : null;
    }
    if (first.type === "radio") {
      var checked = Array.prototype.filter.call(inputs, function (radio) { return radio.checked; });
      return checked.length ? typed(name, checked[0].value) : null;
    }
    return typed(name, first.value);
  }

  function values() {
    var known = {};
    Object.keys(logic.known).forEach(function (name) { known[name] = logic.known[name]; });
    Object.keys(logic.types).forEach(function (name) {
      var holder = form.querySelector("[name='q_" + name + "']");
      var hidden = holder && holder.closest("[data-hidden-by-logic]");
      known[name] = hidden ? null : answer(name);  // a hidden question has no answer
    });
    var computing = {};
    function compute(name) {
      if (name in known || computing[name]) { return; }
      computing[name] = true;
      var tree = logic.formulas[name];
      (function names(node) {
        if (!Array.isArray(node)) { return; }
        if (node[0] === "name" && logic.formulas[node[1]]) { compute(node[1]); }
        node.forEach(names);
      })(tree);
      known[name] = evaluate(tree, known, logic.today);
    }
    Object.keys(logic.formulas).forEach(compute);
    return known;
  }

  function update() {
    // In page order, so a question hidden above no longer counts for one below it.
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-if]"), function (element) {
      var trees = JSON.parse(element.dataset.showIf);
      var current = values();
      var shown = trees.every(function (tree) { return isTrue(evaluate(tree, current, logic.today)); });
      if (shown) { element.removeAttribute("data-hidden-by-logic"); } else { element.setAttribute("data-hidden-by-logic", ""); }
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
