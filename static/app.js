// Progressive enhancement only: every page works without this script.
import { initAll } from './govuk-frontend/govuk-frontend.min.js'

initAll()

// Idle time-out warning for signed-in staff: two minutes before the session ends, offer to stay signed in.
const idle = document.getElementById('idle-timeout')
if (idle) {
  const total = Number(idle.dataset.seconds) * 1000
  const warnBefore = Math.min(120000, total / 4)
  let warnTimer, endTimer, dialog

  const keepAlive = () => fetch(idle.dataset.keepAlive, {
    method: 'POST', credentials: 'same-origin', headers: { 'X-CSRFToken': idle.dataset.csrf }
  })

  const showWarning = () => {
    dialog = document.createElement('dialog')
    dialog.className = 'app-timeout-dialog'
    dialog.setAttribute('aria-labelledby', 'timeout-heading')
    dialog.setAttribute('aria-describedby', 'timeout-text')
    dialog.innerHTML = '<h2 class="govuk-heading-m" id="timeout-heading">You will be signed out soon</h2>' +
      '<p class="govuk-body" id="timeout-text">You have done nothing for a while. To protect your information, ' +
      'we will sign you out in 2 minutes. Anything you have not saved will be lost.</p>' +
      '<div class="govuk-button-group"><button type="button" class="govuk-button" data-module="govuk-button">Stay signed in</button>' +
      '<a class="govuk-link" href="' + idle.dataset.signOut + '">Sign out</a></div>'
    document.body.appendChild(dialog)
    dialog.querySelector('button').addEventListener('click', () => {
      keepAlive().then(() => { dialog.close(); dialog.remove(); schedule() })
    })
    dialog.showModal()
  }

  const schedule = () => {
    clearTimeout(warnTimer); clearTimeout(endTimer)
    warnTimer = setTimeout(showWarning, total - warnBefore)
    endTimer = setTimeout(() => { window.location.reload() }, total + 1000)
  }
  schedule()
}
