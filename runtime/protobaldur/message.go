package protobaldur

import (
	"errors"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Message is a proto message that encodes as its protojson form. A nil
// message encodes as null, and null decodes as a nil message.
type Message[M proto.Message] struct {
	Msg M
}

// marshal writes field names as the .proto declares them and leaves
// defaults out, so two equal messages encode alike; encoding/json then
// drops the whitespace protojson varies on purpose.
var marshal = protojson.MarshalOptions{UseProtoNames: true}

// unmarshal keeps a stored result readable by a binary built from a
// newer .proto that dropped a field.
var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

// MarshalJSON has a value receiver: encoding/json calls it on a Message
// held by value in a struct.
func (m Message[M]) MarshalJSON() ([]byte, error) {
	if isNil(m.Msg) {
		return []byte("null"), nil
	}
	return marshal.Marshal(m.Msg)
}

// UnmarshalJSON allocates a new message of M's type and reads data into it.
func (m *Message[M]) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		var zero M
		m.Msg = zero
		return nil
	}
	if any(m.Msg) == nil {
		return errNoType
	}
	// A generated message's ProtoReflect works on a nil pointer and knows
	// its type: New allocates one.
	msg, ok := m.Msg.ProtoReflect().New().Interface().(M)
	if !ok {
		return errNoType
	}
	if err := unmarshal.Unmarshal(data, msg); err != nil {
		return err
	}
	m.Msg = msg
	return nil
}

var errNoType = errors.New("protobaldur: cannot decode into a proto.Message interface: the message type is unknown; use the message's own type")

// isNil reports a nil interface or a typed nil pointer.
func isNil(m proto.Message) bool {
	return any(m) == nil || !m.ProtoReflect().IsValid()
}
