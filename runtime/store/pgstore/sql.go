package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

type statements struct {
	migrate                            string
	claim, get, update, release, purge string
}

// build writes the statements for table. Keys, tokens and fingerprints are
// bounded (the engine makes them; the checks stop anything else), and a
// key is never NULL or empty, since NULL never conflicts.
func build(table pgx.Identifier) statements {
	t := table.Sanitize()
	index := pgx.Identifier{table[len(table)-1] + "_expires_at"}.Sanitize()
	return statements{
		migrate: fmt.Sprintf(`SELECT pg_advisory_xact_lock(hashtext('baldur-idempotency-migrate'));
CREATE TABLE IF NOT EXISTS %[1]s (
	key         text        PRIMARY KEY CHECK (octet_length(key) BETWEEN 1 AND 128),
	state       smallint    NOT NULL CHECK (state BETWEEN 1 AND 3),
	token       text        NOT NULL CHECK (octet_length(token) <= 64),
	fingerprint text        NOT NULL CHECK (octet_length(fingerprint) <= 128),
	value       bytea,
	expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS %[2]s ON %[1]s (expires_at)`, t, index),

		// $1 key, $2 state, $3 token, $4 fingerprint, $5 expires_at, $6 now.
		// The row is read first: a live one (a duplicate) is returned as it
		// is, with no insert attempted, so nothing is locked or written. A
		// free key is inserted; a dead row is taken over by DO UPDATE ...
		// WHERE it has expired, and the new token fences the old owner out.
		// When nothing was written the row read is returned, all in one
		// round trip. (Parameters are cast: INSERT ... SELECT does not take
		// their types from the columns.)
		claim: fmt.Sprintf(`WITH cur AS (
	SELECT state, token, fingerprint, value, expires_at FROM %[1]s WHERE key = $1
), claimed AS (
	INSERT INTO %[1]s AS r (key, state, token, fingerprint, value, expires_at)
	SELECT $1::text, $2::smallint, $3::text, $4::text, NULL::bytea, $5::timestamptz
	WHERE NOT EXISTS (SELECT 1 FROM cur WHERE expires_at > $6::timestamptz)
	ON CONFLICT (key) DO UPDATE
	SET state = EXCLUDED.state, token = EXCLUDED.token, fingerprint = EXCLUDED.fingerprint,
		value = NULL, expires_at = EXCLUDED.expires_at
	WHERE r.expires_at <= $6::timestamptz
	RETURNING true, r.state, r.token, r.fingerprint, r.value, r.expires_at
)
SELECT * FROM claimed
UNION ALL
SELECT false, state, token, fingerprint, value, expires_at FROM cur
WHERE NOT EXISTS (SELECT 1 FROM claimed)`, t),

		get: fmt.Sprintf(`SELECT state, token, fingerprint, value, expires_at FROM %s WHERE key = $1`, t),

		update: fmt.Sprintf(`UPDATE %s SET state = $3, fingerprint = $4, value = $5, expires_at = $6
WHERE key = $1 AND token = $2`, t),

		release: fmt.Sprintf(`DELETE FROM %s WHERE key = $1 AND token = $2`, t),

		// expires_at is checked again on the outer DELETE: a row taken over
		// between the two scans is re-evaluated and kept.
		purge: fmt.Sprintf(`DELETE FROM %[1]s WHERE expires_at <= $1 AND key IN (
	SELECT key FROM %[1]s WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, t),
	}
}
