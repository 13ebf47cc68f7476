module github.com/baldur-go/baldur/runtime/admin/e2e

go 1.26.0

require (
	github.com/baldur-go/baldur v0.0.0
	github.com/chromedp/cdproto v0.160.3
	github.com/chromedp/chromedp v0.23.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/baldur-go/baldur => ../../..
