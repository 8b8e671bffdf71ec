package sqldb

import "context"

// MigrateStopping is Migrate, stopped with stop's error when stop returns
// one after a statement succeeded and before its success was recorded:
// what a process dying there leaves.
func MigrateStopping(ctx context.Context, db *DB, component string, migrations []Migration, stop func(version, step int) error) error {
	return migrator{afterStatement: stop}.migrate(ctx, db, component, migrations)
}
