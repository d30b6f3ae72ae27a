// While an evaluation runs, reload its page every two seconds to show progress.
const page = document.getElementById("evaluation");
if (page && page.dataset.running === "true") {
  setTimeout(() => location.reload(), 2000);
}
