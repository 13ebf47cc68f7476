package boltstore_test

const childEnv = "BALDUR_BOLTSTORE_CHILD"

func runChild(mode string) int { return 2 }
