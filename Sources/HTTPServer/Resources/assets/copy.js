for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try { await navigator.clipboard.writeText(field.value); button.textContent = 'Copied'; } catch { document.execCommand('copy'); button.textContent = 'Copied'; }
  });
}
document.getElementById('print-report')?.addEventListener('click', () => window.print());
