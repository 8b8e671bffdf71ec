package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// vitessSchemaWait bounds how long a process waits for vtgate to learn a
// migrated schema before it refuses to start.
const vitessSchemaWait = 2 * time.Minute

// awaitVitessSchema waits until vtgate plans a read of every column of
// tables. vtgate learns a keyspace's columns by schema tracking, seconds
// after a DDL, and until then refuses statements that name a column added
// since ("column 'x' not found in table"): a process that served right
// after a migration (its own or another process's) would fail its first
// writes and reads. The columns are read from the table itself, so the
// wait ends when vtgate agrees with the database.
func awaitVitessSchema(ctx context.Context, db *DB, component string, tables []string) error {
	ctx, cancel := context.WithTimeout(ctx, vitessSchemaWait)
	defer cancel()
	for _, table := range tables {
		cols, err := tableColumns(ctx, db, table)
		if err != nil {
			return fmt.Errorf("migrate %s: columns of %s: %w", component, table, err)
		}
		probe := "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " LIMIT 0"
		for {
			rows, err := db.QueryContext(ctx, probe)
			if err == nil {
				rows.Close()
				break
			}
			var me *mysql.MySQLError
			if !errors.As(err, &me) || me.Number != 1054 { // ER_BAD_FIELD_ERROR
				return fmt.Errorf("migrate %s: read %s through vtgate: %w", component, table, err)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("migrate %s: vtgate has not learned the columns of %s after %s (is schema tracking on?): %w", component, table, vitessSchemaWait, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// tableColumns lists the columns of table as the database holds them.
func tableColumns(ctx context.Context, db *DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SHOW COLUMNS FROM "+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cols []string
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		switch v := vals[0].(type) {
		case []byte:
			cols = append(cols, string(v))
		case string:
			cols = append(cols, v)
		default:
			return nil, fmt.Errorf("column name of type %T", v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no columns")
	}
	return cols, nil
}
