// A timeout cannot cancel a call that takes no context (#18).
package timeoutnoctx

type Cache interface {
	//baldur:protected timeout=1s
	Get(key string) (string, error)
}
