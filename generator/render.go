package generator

import (
	"errors"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/baldur-go/baldur/parser"
	"github.com/baldur-go/baldur/templates"
)

type renderJob struct {
	pkg  *parser.Package
	file *parser.File
}

// render renders the files in parallel; formatting dominates the cost of
// a large generation and each file is independent. The output keeps the
// jobs' order.
func render(jobs []renderJob) ([]Output, error) {
	out := make([]Output, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			src, err := templates.Render(j.pkg, j.file, filepath.Base(j.file.Path))
			out[i], errs[i] = Output{Path: j.file.Output, Content: src}, err
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
