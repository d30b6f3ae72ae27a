const list = document.getElementById('approvals');
async function refresh() {
  const response = await fetch('/api/dashboard/approvals?status=pending');
  if (!response.ok) return;
  const pending = new Set((await response.json()).items.map((a) => a.id));
  for (const card of list.querySelectorAll('[data-approval]')) {
    if (!pending.has(card.dataset.approval)) {
      const note = document.createElement('p'); note.className = 'muted decided'; note.textContent = 'Decided by someone else.';
      card.replaceChildren(note); card.removeAttribute('data-approval');
    }
  }
}
setInterval(refresh, 3000);
