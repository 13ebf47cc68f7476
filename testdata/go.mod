module github.com/baldur-go/baldur/testdata

go 1.26.0

require github.com/baldur-go/baldur v0.0.0

replace github.com/baldur-go/baldur => ../
