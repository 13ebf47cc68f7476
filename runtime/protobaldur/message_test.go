package protobaldur_test

import (
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/baldur-go/baldur/runtime/protobaldur"
)

// A oneof survives the round trip, inside a struct as the generated
// decorators hold it. (examples/grpc shows encoding/json failing on a
// generated message's oneof.)
func TestOneofRoundTrip(t *testing.T) {
	v, _ := structpb.NewValue(map[string]any{"card": map[string]any{"last4": "4242"}, "n": 3.0})
	type results struct {
		R0 protobaldur.Message[*structpb.Value] `json:"r0"`
	}
	data, err := json.Marshal(results{protobaldur.Message[*structpb.Value]{Msg: v}})
	if err != nil {
		t.Fatal(err)
	}
	var got results
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got.R0.Msg, v) {
		t.Fatalf("%s decoded to %v, want %v", data, got.R0.Msg, v)
	}
}

// Equal messages encode alike, whatever protojson's deliberate whitespace.
func TestEncodingIsStable(t *testing.T) {
	a, _ := json.Marshal(protobaldur.Message[*timestamppb.Timestamp]{Msg: &timestamppb.Timestamp{Seconds: 1700000000}})
	for range 20 {
		b, _ := json.Marshal(protobaldur.Message[*timestamppb.Timestamp]{Msg: &timestamppb.Timestamp{Seconds: 1700000000}})
		if string(a) != string(b) {
			t.Fatalf("%s then %s", a, b)
		}
	}
	if strings.ContainsAny(string(a), " \n") {
		t.Fatalf("%s has whitespace", a)
	}
}

func TestNil(t *testing.T) {
	for _, m := range []protobaldur.Message[*structpb.Value]{{}, {Msg: (*structpb.Value)(nil)}} {
		data, err := json.Marshal(m)
		if err != nil || string(data) != "null" {
			t.Fatalf("nil message: %s, %v", data, err)
		}
	}
	got := protobaldur.Message[*structpb.Value]{Msg: structpb.NewStringValue("x")}
	if err := json.Unmarshal([]byte("null"), &got); err != nil || got.Msg != nil {
		t.Fatalf("null decoded to %v, %v", got.Msg, err)
	}
}

// A proto.Message interface names no type to allocate.
func TestInterfaceCannotDecode(t *testing.T) {
	var m protobaldur.Message[proto.Message]
	if err := json.Unmarshal([]byte(`{"a":1}`), &m); err == nil {
		t.Fatal("decoded into a proto.Message interface")
	}
	data, err := json.Marshal(protobaldur.Message[proto.Message]{Msg: structpb.NewBoolValue(true)})
	if err != nil || string(data) != "true" {
		t.Fatalf("encoding through the interface: %s, %v", data, err)
	}
}
