// The Payment Element: Stripe's card form in Stripe's own frame. Only the payment page loads this (and Stripe's
// script, which its Content-Security-Policy alone allows).
const form = document.getElementById("payment-form");
if (form && window.Stripe) {
  const stripe = window.Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  const message = document.getElementById("payment-message");
  const button = document.getElementById("payment-submit");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.returnUrl } });
    if (error) {
      message.textContent = `Error: ${error.message}`;
      message.hidden = false;
      button.disabled = false;
    }
  });
}
