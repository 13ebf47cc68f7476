package baldur

import (
	"fmt"
	"reflect"
	"strings"
)

// configReference renders the key tables of docs/config.md from the
// declarations in config.go, so that the reference cannot drift from the
// code: a test fails when the file differs from it.
func configReference() string {
	var b strings.Builder
	table := func(title, intro string, rows []docRow) {
		fmt.Fprintf(&b, "### %s\n\n%s\n\n| key | default | values | where | meaning |\n|---|---|---|---|---|\n", title, intro)
		for _, r := range rows {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.key, r.def, r.values, r.where, r.doc)
		}
		b.WriteString("\n")
	}
	table("Top level", "Settings of the whole runtime, and the sections that hold the others.",
		docRows(reflect.TypeFor[Config](), "", inTop, inTop, inTop))
	table("Policy settings", "Under `defaults:` for every policy, or under `policies.<name>:` for one.",
		docRows(reflect.TypeFor[PolicyConfig](), "", inDefaults|inPolicy, inDefaults|inPolicy, inDefaults|inPolicy))
	table("Breaker settings", "Under `defaults.breaker:` for every breaker, or under `breakers.<name>:` for one. Breakers are shared by name, so a policy's own section cannot tune one.",
		docRows(reflect.TypeFor[BreakerConfig](), "", inBreaker, inDefaults|inBreaker, inDefaults|inBreaker))
	return strings.TrimSuffix(b.String(), "\n")
}

type docRow struct{ key, def, values, where, doc string }

// docRows lists the keys of t readable in a section of kind; allowed is
// where t's keys may appear, table the sections the table covers, for the
// "where" column.
func docRows(t reflect.Type, prefix string, kind, allowed, table sectionKind) []docRow {
	var rows []docRow
	for _, f := range fieldsOf(t) {
		if f.in != 0 && f.in&kind == 0 {
			continue
		}
		key := join(prefix, f.key)
		where := allowed
		if f.in != 0 {
			where &= f.in
		}
		switch {
		case f.leaf != nil:
			rows = append(rows, docRow{key: key, def: docDefault(f.leaf), values: docValues(f.leaf), where: docWhere(where, table), doc: f.doc})
		case f.typ.Kind() == reflect.Slice && reflect.PointerTo(f.typ.Elem()).Implements(optType):
			rows = append(rows, docRow{key: key, def: "`[]`", values: "list of " + docValues(newLeaf(reflect.New(f.typ.Elem()).Interface().(opt).elem(), reflect.StructField{}, t)), where: docWhere(where, table), doc: f.doc})
		case f.section != 0 && f.typ.Kind() == reflect.Slice:
			rows = append(rows, docRow{key: key, values: "list", where: docWhere(where, table), doc: f.doc + "; an override sets only timeout and retry.*"})
		case f.section != 0:
			rows = append(rows, docRow{key: key + docSectionSuffix(f), def: "", values: "section", where: "top level", doc: f.doc})
		case f.typ.Kind() == reflect.Struct:
			if f.typ == reflect.TypeFor[BreakerConfig]() && kind&inBreaker == 0 {
				// Breaker tuning has a table of its own.
				rows = append(rows, docRows(f.typ, key, inPolicy, where, table)...)
				continue
			}
			sub := docRows(f.typ, key, kind, where, table)
			if f.doc != "" && len(sub) == 1 && sub[0].doc == "" {
				sub[0].doc = f.doc
			}
			rows = append(rows, sub...)
		}
	}
	return rows
}

func docSectionSuffix(f field) string {
	if f.typ.Kind() == reflect.Map {
		return ".<name>"
	}
	return ""
}

func docDefault(l *leaf) string {
	if !l.def.IsValid() {
		return "annotation"
	}
	return "`" + formatValue(l.def) + "`"
}

func docValues(l *leaf) string {
	if c := choicesOf(l.elem); c != nil {
		return "`" + strings.Join(c, "`, `") + "`"
	}
	if l.lo.IsValid() {
		if l.openLo {
			return fmt.Sprintf("(%s – %s]", formatValue(l.lo), formatValue(l.hi))
		}
		return fmt.Sprintf("%s – %s", formatValue(l.lo), formatValue(l.hi))
	}
	switch l.elem.Kind() {
	case reflect.Bool:
		return "`true`, `false`"
	case reflect.String:
		return "string"
	}
	if l.elem == reflect.TypeFor[InFlight]() {
		return "`wait`, `fail`, a duration"
	}
	return l.elem.Name()
}

func docWhere(k, table sectionKind) string {
	if k == table {
		if table == inTop {
			return "top level"
		}
		return "both"
	}
	return sectionList(k) + " only"
}
