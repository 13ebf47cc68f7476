package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

// deadLetterStatements are the dead-letter store's SQL for one table.
type deadLetterStatements struct {
	migrate                           string
	put, exists, claimDue, claimAny   string
	claimID, ack, ackMany, reschedule string
	requeue                           string
	drop, get, list, counts           string
}

// dlColumns is the letter as Get, List and the claims return it; see
// scanLetter.
const dlColumns = `id, policy, method, key, fields, err, attempts, replays, state, reason, signature, body, token, lease_until, created, last_failed, next_replay`

// buildDeadLetter writes the statements for table.
//
// visible_at is when a pending letter may next be claimed: its next_replay,
// or the end of its lease if later. The partial index on (policy,
// visible_at, id) of pending letters makes a claim read due letters only,
// per policy, oldest-visible first. Times are the runtime's, passed as
// parameters, never the database clock's; no lease is token ” and
// lease_until at the zero time.
func buildDeadLetter(table pgx.Identifier) deadLetterStatements {
	t := table.Sanitize()
	name := table[len(table)-1]
	due := pgx.Identifier{name + "_due"}.Sanitize()
	created := pgx.Identifier{name + "_created"}.Sanitize()
	const returning = `t.id, t.policy, t.method, t.key, t.fields, t.err, t.attempts, t.replays, t.state, t.reason, t.signature, t.body, t.token, t.lease_until, t.created, t.last_failed, t.next_replay`
	return deadLetterStatements{
		migrate: fmt.Sprintf(`SELECT pg_advisory_xact_lock(hashtext('baldur-dead-letters-migrate'));
CREATE TABLE IF NOT EXISTS %[1]s (
	id          text        PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 256),
	policy      text        NOT NULL CHECK (octet_length(policy) BETWEEN 1 AND 1024),
	method      text        NOT NULL,
	key         text        NOT NULL,
	fields      jsonb       NOT NULL,
	err         text        NOT NULL,
	attempts    integer     NOT NULL,
	replays     integer     NOT NULL,
	state       smallint    NOT NULL CHECK (state IN (1, 2)),
	reason      text        NOT NULL,
	signature   text        NOT NULL,
	body        bytea       NOT NULL,
	token       text        NOT NULL,
	lease_until timestamptz NOT NULL,
	created     timestamptz NOT NULL,
	last_failed timestamptz NOT NULL,
	next_replay timestamptz NOT NULL,
	visible_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS %[2]s ON %[1]s (policy, visible_at, id) WHERE state = 1;
CREATE INDEX IF NOT EXISTS %[3]s ON %[1]s (created, id)`, t, due, created),

		// $1..$14 the letter; $15 the retention bound (0: none). A letter
		// already stored is left alone (ON CONFLICT DO NOTHING): a Put
		// retried after an unclear failure never duplicates or resets it.
		// The bound counts at most $15 rows, through the primary key.
		put: fmt.Sprintf(`INSERT INTO %[1]s (id, policy, method, key, fields, err, attempts, replays, state, reason,
	signature, body, token, lease_until, created, last_failed, next_replay, visible_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, COALESCE($11::bytea, ''::bytea), '', '0001-01-01 00:00:00Z',
	$12, $13, $14, $14
WHERE $15::bigint = 0 OR (SELECT count(*) FROM (SELECT 1 FROM %[1]s LIMIT $15) AS held) < $15
ON CONFLICT (id) DO NOTHING`, t),
		exists: fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)`, t),

		// $1 policies, $2 now, $3 max, $4 lease end. Each policy's due
		// letters come from its own index range (LATERAL), locked with SKIP
		// LOCKED so concurrent claims pass each other; the replay is counted
		// in the same statement. A row another claim changed after this
		// statement's snapshot is re-checked against visible_at <= now once
		// locked, so one lease never goes to two claims.
		claimDue: claim(t, returning, `d.visible_at <= $2`),
		claimAny: claim(t, returning, `(d.token = '' OR d.lease_until <= $2)`),

		// $1 id, $2 now, $3 lease end.
		claimID: fmt.Sprintf(`UPDATE %[1]s AS t SET token = gen_random_uuid()::text, lease_until = $3,
	replays = t.replays + 1, visible_at = GREATEST(t.next_replay, $3)
WHERE t.id = $1 AND (t.token = '' OR t.lease_until <= $2)
RETURNING %[2]s`, t, returning),

		// Fencing: every write of a holder names its token.
		ack:     fmt.Sprintf(`DELETE FROM %s WHERE id = $1 AND token = $2 AND token <> ''`, t),
		ackMany: ackManySQL(t),

		// $1 id, $2 token, $3 body, $4 last failed, $5 park, $6 reason, $7 next replay.
		reschedule: fmt.Sprintf(`UPDATE %s SET body = COALESCE($3::bytea, ''::bytea), last_failed = $4,
	token = '', lease_until = '0001-01-01 00:00:00Z',
	state = CASE WHEN $5 THEN 2 ELSE state END,
	reason = CASE WHEN $5 THEN $6 ELSE reason END,
	next_replay = CASE WHEN $5 THEN next_replay ELSE $7 END,
	visible_at = CASE WHEN $5 THEN next_replay ELSE $7 END
WHERE id = $1 AND token = $2 AND token <> ''`, t),

		// $1 id, $2 now.
		requeue: fmt.Sprintf(`UPDATE %s SET state = 1, reason = '', replays = 0, next_replay = $2, visible_at = $2,
	token = '', lease_until = '0001-01-01 00:00:00Z'
WHERE id = $1 AND (token = '' OR lease_until <= $2)`, t),

		drop: fmt.Sprintf(`DELETE FROM %s WHERE id = $1`, t),
		get:  fmt.Sprintf(`SELECT %s FROM %s WHERE id = $1`, dlColumns, t),

		// $1 policy or '', $2 state or 0, $3 after or '', $4 limit. A
		// listing after a letter that is gone is empty, as a cursor past
		// its end.
		list: fmt.Sprintf(`SELECT %[2]s FROM %[1]s
WHERE ($1 = '' OR policy = $1) AND ($2 = 0 OR state = $2)
	AND ($3 = '' OR (created, id) > (SELECT created, id FROM %[1]s WHERE id = $3))
ORDER BY created, id LIMIT $4`, t, dlColumns),

		counts: fmt.Sprintf(`SELECT policy, state, count(*) FROM %s GROUP BY policy, state ORDER BY policy, state`, t),
	}
}

// claim is the claim statement with the condition that makes a letter
// claimable.
func claim(t, returning, claimable string) string {
	return fmt.Sprintf(`WITH picked AS (
	SELECT c.id, c.visible_at
	FROM unnest($1::text[]) AS p(policy)
	CROSS JOIN LATERAL (
		SELECT d.id, d.visible_at FROM %[1]s AS d
		WHERE d.policy = p.policy AND d.state = 1 AND %[3]s
		ORDER BY d.visible_at, d.id
		LIMIT $3
		FOR UPDATE SKIP LOCKED
	) AS c
	ORDER BY c.visible_at, c.id
	LIMIT $3
)
UPDATE %[1]s AS t SET token = gen_random_uuid()::text, lease_until = $4,
	replays = t.replays + 1, visible_at = GREATEST(t.next_replay, $4)
FROM picked WHERE t.id = picked.id
RETURNING picked.visible_at, %[2]s`, t, returning, claimable)
}
