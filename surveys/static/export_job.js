// An export job's page: the bar and the count follow the job while it runs, from the status address the page
// names. When the job's state changes (done, failed, downloaded) the page is loaded again, so what it offers is
// what the server decides. Without this script the page's Refresh link does the same by hand. A finished job is
// looked at only for a while after its Download button is pressed: a page left open must not keep a staff
// session alive past its idle time.
(function () {
  "use strict";
  var section = document.getElementById("job");
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var words = document.getElementById("job-state");
  var refresh = document.getElementById("refresh");
  if (!section || !bar || !count || !words || !section.dataset.statusUrl) {
    return;
  }
  var status = section.dataset.status;
  var looks = 3600;  // an hour of a job's progress at most; then the Refresh link again
  var numbers = new Intl.NumberFormat("en");
  if (refresh) {
    refresh.parentNode.hidden = true;
  }

  function show(job) {
    bar.max = job.progress_max;
    bar.value = job.rows_done;
    bar.textContent = job.rows_done + " of " + job.rows_expected;
    count.textContent = numbers.format(job.rows_done) + " of about " + numbers.format(job.rows_expected) +
      " respondents";
    if (words.textContent !== job.message) {
      words.textContent = job.message;  // a live region: changed only when the words do
    }
  }

  function look() {
    fetch(section.dataset.statusUrl, {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        if (job.status !== status) {
          window.location.reload();
          return;
        }
        show(job);
        looks -= 1;
        if (looks > 0) {
          window.setTimeout(look, 1000);
        } else if (refresh) {
          refresh.parentNode.hidden = false;
        }
      })
      .catch(function () {
        // Signed out, or the server unreachable: the link is the way on.
        if (refresh) {
          refresh.parentNode.hidden = false;
        }
      });
  }

  if (status === "queued" || status === "running") {
    window.setTimeout(look, 1000);
  } else if (status === "done") {
    var download = document.getElementById("download");
    if (download) {
      download.form.addEventListener("submit", function () {
        looks = 30;  // long enough for a large file to finish downloading, then the page says it is gone
        window.setTimeout(look, 2000);
      });
    }
  }
})();
