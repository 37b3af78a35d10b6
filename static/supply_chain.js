// Supply chain coverage: a bar chart of the figures in the table (which stays the accessible version).
const chartData = document.getElementById('coverage-data')
const chartCanvas = document.getElementById('coverage-chart')
if (chartData && chartCanvas && window.Chart) {
  const data = JSON.parse(chartData.textContent)
  window.Chart.defaults.font.size = 14
  window.Chart.defaults.color = '#0b0c0c'
  // eslint-disable-next-line no-new
  new window.Chart(chartCanvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [{ label: 'Organisations', data: data.counts, backgroundColor: '#1d70b8' }]
    },
    options: {
      indexAxis: 'y',
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  })
}
