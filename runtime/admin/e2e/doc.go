// Package e2e tests the admin dashboard in a real browser, headless
// Chromium driven with chromedp. It is a module of its own so that
// chromedp never becomes a requirement of Baldur's.
package e2e
