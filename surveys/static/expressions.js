/* The expression language's evaluator for the browser: the JSON tree models/expressions gives (Expression.to_json),
   run by the same rules as models/expressions/rules.py, and held to them by tests/data/expression_vectors.json.
   Plain script, no modules and no eval or Function (the CSP forbids them): window.SurveyExpressions. */
(function () {
  "use strict";

  const SAFE = Number.MAX_SAFE_INTEGER;
  const has = Object.prototype.hasOwnProperty;

  function isNumber(v) { return typeof v === "number" && isFinite(v); }

  // A result that is not a finite number is null; -0 reads as 0, since Python has made it the int 0.
  function num(x) { return isFinite(x) ? (x === 0 ? 0 : x) : null; }

  function read(v) {
    if (v === undefined || v === null) return null;
    return typeof v === "number" ? num(v) : v;
  }

  function isTrue(v) { return v === true; }

  function arith(f) {
    return (a, b) => (isNumber(a) && isNumber(b) ? num(f(a, b)) : null);
  }
  const add = arith((a, b) => a + b);
  const sub = arith((a, b) => a - b);
  const mul = arith((a, b) => a * b);
  const div = (a, b) => (isNumber(a) && isNumber(b) && b !== 0 ? num(a / b) : null);
  // Infinity (overflow, 0 to a negative power) and NaN (a negative base to a fraction) both come back null.
  const pow = arith(Math.pow);

  function kindOf(v) {
    if (isNumber(v)) return "number";
    return typeof v === "string" || typeof v === "boolean" ? typeof v : null;
  }
  function sameKind(a, b) { const k = kindOf(a); return k !== null && k === kindOf(b); }
  const eq = (a, b) => sameKind(a, b) && a === b;
  const ne = (a, b) => sameKind(a, b) && a !== b;

  // By code point, as Python compares text; JavaScript's own < compares UTF-16 units, which differ past U+FFFF.
  function compareText(a, b) {
    let i = 0;
    while (i < a.length && i < b.length) {
      const x = a.codePointAt(i), y = b.codePointAt(i);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xFFFF ? 2 : 1;
    }
    return (a.length > i ? 1 : 0) - (b.length > i ? 1 : 0);
  }
  function order(test) {
    return (a, b) => {
      if (isNumber(a) && isNumber(b)) return test(a === b ? 0 : a < b ? -1 : 1);
      if (typeof a === "string" && typeof b === "string") return test(compareText(a, b));
      return false;
    };
  }
  const member = (a, b) => a !== null && Array.isArray(b) && b.some((item) => eq(a, read(item)));

  const BINARY = {
    "+": add, "-": sub, "*": mul, "/": div, "^": pow, "==": eq, "!=": ne, "in": member,
    "<": order((c) => c < 0), "<=": order((c) => c <= 0), ">": order((c) => c > 0), ">=": order((c) => c >= 0),
  };

  // The values that are not null, or null if none is left or one is not a number.
  function numbers(values) {
    const present = values.filter((v) => v !== null);
    return present.length && present.every(isNumber) ? present : null;
  }
  function sum(values) {
    const present = numbers(values);
    if (present === null) return null;
    let total = present[0];
    for (let i = 1; i < present.length; i++) total = add(total, present[i]);
    return total;
  }

  // Half away from zero on the exact binary value: toFixed rounds so, as Python's Decimal(x).quantize does.
  function round(x, places) {
    if (!isNumber(x) || !Number.isInteger(places) || places < 0 || places > 15) return null;
    if (Number.isInteger(x)) return x;
    const r = parseFloat(Math.abs(x).toFixed(places));
    return num(x < 0 ? -r : r);
  }

  function daysIn(year, month) {
    if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
    return [4, 6, 9, 11].includes(month) ? 30 : 31;
  }
  function parseDate(text) {
    const m = typeof text === "string" ? /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text) : null;
    if (!m) return null;
    const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) ? { y, mo, d } : null;
  }
  // As an age is counted: one born on 29 February turns a year older on 1 March in a common year.
  function years(text, today) {
    const born = parseDate(text);
    if (born === null || today === null) return null;
    return today.y - born.y - (today.mo < born.mo || (today.mo === born.mo && today.d < born.d) ? 1 : 0);
  }

  const CALLS = {
    answered: (x) => !(x === null || x === "" || (Array.isArray(x) && x.length === 0)),
    count: (x) => (x === null ? 0 : Array.isArray(x) ? x.length : null),
    sum: (...xs) => sum(xs),
    mean: (...xs) => { const p = numbers(xs); return p === null ? null : div(sum(p), p.length); },
    min: (...xs) => { const p = numbers(xs); return p === null ? null : Math.min(...p); },
    max: (...xs) => { const p = numbers(xs); return p === null ? null : Math.max(...p); },
    round: round,
    abs: (x) => (isNumber(x) ? num(Math.abs(x)) : null),
  };

  function run(node, values, today) {
    switch (node[0]) {
      case "lit": return read(node[1]);
      case "name": return read(has.call(values, node[1]) ? values[node[1]] : null);
      case "not": return run(node[1], values, today) !== true;
      case "neg": { const a = run(node[1], values, today); return isNumber(a) ? num(-a) : null; }
      case "op": {
        const op = node[1];
        if (op === "and") return run(node[2], values, today) === true && run(node[3], values, today) === true;
        if (op === "or") return run(node[2], values, today) === true || run(node[3], values, today) === true;
        return BINARY[op](run(node[2], values, today), run(node[3], values, today));
      }
      case "call": {
        const fn = node[1], args = node[2];
        if (fn === "if") return run(args[run(args[0], values, today) === true ? 1 : 2], values, today);
        if (fn === "today") return today.text;
        if (fn === "years") return years(run(args[0], values, today), today.date);
        return CALLS[fn](...args.map((arg) => run(arg, values, today)));
      }
    }
    return null;
  }

  function dayOf(today) {
    if (today instanceof Date) {
      const pad = (n, w) => String(n).padStart(w, "0");
      today = `${pad(today.getFullYear(), 4)}-${pad(today.getMonth() + 1, 2)}-${pad(today.getDate(), 2)}`;
    }
    return { text: today, date: parseDate(today) };
  }

  // tree: the parsed JSON of Expression.to_json() (or that text); values: answers by field name; today: YYYY-MM-DD.
  function evaluate(tree, values, today) {
    const node = typeof tree === "string" ? JSON.parse(tree) : tree;
    return run(node, values || {}, dayOf(today === undefined ? new Date() : today));
  }

  window.SurveyExpressions = { evaluate, isTrue, SAFE_INTEGER: SAFE };
})();
