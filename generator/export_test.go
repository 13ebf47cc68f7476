package generator

// LoadMode is the loader mode, for the tests that load as baldurgen does
// (the scale benchmark's floor, the golden checks).
const LoadMode = loadMode
