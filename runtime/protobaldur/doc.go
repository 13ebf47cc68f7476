// Package protobaldur carries protocol buffers messages through Baldur's
// JSON codec: an idempotency fingerprint, a result stored for duplicates.
// encoding/json cannot read a message back (a oneof is an interface
// field, and the generated struct's state is unexported); protojson can.
//
// Generated decorators wrap every proto message argument and result in a
// Message; nothing else needs to name it.
//
// It imports google.golang.org/protobuf, nothing else.
package protobaldur
