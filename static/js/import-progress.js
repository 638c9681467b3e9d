// Progressive enhancement: while an import runs, update its status in place (the page works without this).
const box = document.getElementById("job-status");
if (box && box.dataset.finished === "false") {
  const progress = document.getElementById("job-progress");
  const refresh = document.getElementById("job-refresh");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      const job = await response.json();
      if (job.finished) {
        window.location.reload();
        return;
      }
      const count = job.total ? `: ${job.done} of ${job.total} (${job.percent}%)` : "";
      progress.textContent = `${job.label}. ${job.stage}${count}`;
      if (refresh) refresh.hidden = true;
    } catch (error) {
      // Keep the refresh link; try again later.
    }
    window.setTimeout(poll, 1500);
  };
  window.setTimeout(poll, 1000);
}
