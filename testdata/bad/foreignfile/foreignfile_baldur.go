// Hand-written code that happens to sit where the output would go.
package foreignfile

func handWritten() {}
