// Directory pages, progressive enhancement only: without this script the pages work and print the same.

// "Print this page": a button only a script can make work, so only the script adds it.
for (const group of document.querySelectorAll('[data-app-print]')) {
  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'govuk-button govuk-button--secondary'
  button.textContent = 'Print this page'
  button.addEventListener('click', () => window.print())
  group.insertBefore(button, group.querySelector('a.govuk-link'))
}
