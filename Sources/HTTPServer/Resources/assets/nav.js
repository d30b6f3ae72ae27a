// The navigation's pending-approvals badge, kept current.
const badge = document.getElementById('approval-badge');
async function refresh() {
  const response = await fetch('/api/dashboard/approvals?status=pending&limit=100');
  if (!response.ok) return;
  const count = (await response.json()).items.length;
  badge.textContent = String(count);
  badge.hidden = count === 0;
  badge.setAttribute('aria-label', `${count} waiting`);
}
if (badge) { refresh(); setInterval(refresh, 5000); }

// On a narrow screen the navigation folds behind a Menu button.
const toggle = document.getElementById('menu-toggle');
toggle?.addEventListener('click', () => {
  const open = document.getElementById('top').classList.toggle('nav-open');
  toggle.setAttribute('aria-expanded', String(open));
});
