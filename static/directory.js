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

// Searches that found nothing: a bar chart of the figures in the table (which stays the accessible version).
const chartData = document.getElementById('search-gaps-data')
const chartCanvas = document.getElementById('search-gaps-chart')
if (chartData && chartCanvas && window.Chart) {
  const data = JSON.parse(chartData.textContent)
  window.Chart.defaults.font.size = 16
  window.Chart.defaults.color = '#0b0c0c'
  // eslint-disable-next-line no-new
  new window.Chart(chartCanvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [{ label: 'Times searched', data: data.counts, backgroundColor: '#1d70b8' }]
    },
    options: {
      indexAxis: 'y',
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  })
}
