package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrCollation marks a table whose text columns would not compare ids byte
// for byte ("uch" and "UCH" would be one id).
var ErrCollation = errors.New("column does not compare byte for byte")

// CreatedTables lists the tables migrations create on dialect, in order.
func CreatedTables(migrations []Migration, dialect Dialect) []string {
	var out []string
	for _, m := range migrations {
		text := m.SQL
		if dialect == MySQL && m.MySQL != "" {
			text = m.MySQL
		}
		for _, stmt := range SplitStatements(text) {
			if name := createdTable(stmt); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}

var createTable = regexp.MustCompile(`(?is)^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[` + "`" + `"]?(\w+)`)

// createdTable returns the table a CREATE TABLE statement creates, or "".
func createdTable(stmt string) string {
	if m := createTable.FindStringSubmatch(stmt); m != nil {
		return m[1]
	}
	return ""
}

// CheckByteComparison refuses tables any of whose columns could compare
// ids other than byte for byte. On MySQL (and so on Vitess) a CHAR or
// VARCHAR column compares by its collation, which by default ignores case
// (and, in most collations, trailing spaces), whoever created the
// database: Bastion's migrations make every such column VARBINARY, and a
// text column is accepted only with the binary collation or one that is
// binary and pads nothing. On SQLite text compares byte for byte unless a
// column or index declares another collation. Tables that do not exist
// are skipped. The error (wrapping ErrCollation) names the table and
// column.
func CheckByteComparison(ctx context.Context, db *DB, tables []string) error {
	if len(tables) == 0 {
		return nil
	}
	if db.Dialect == MySQL {
		return checkMySQLCollations(ctx, db, tables)
	}
	return checkSQLiteCollations(ctx, db, tables)
}

// checkMySQLCollations reads each table's columns with SHOW FULL COLUMNS,
// which vtgate sends wherever the table lives (through its routing rules),
// so on Vitess every keyspace holding one of the tables is checked.
func checkMySQLCollations(ctx context.Context, db *DB, tables []string) error {
	for _, table := range tables {
		if err := checkMySQLTable(ctx, db, table); err != nil {
			return err
		}
	}
	return nil
}

func checkMySQLTable(ctx context.Context, db *DB, table string) error {
	rows, err := db.QueryContext(ctx, "SHOW FULL COLUMNS FROM `"+strings.ReplaceAll(table, "`", "")+"`")
	if err != nil {
		if n, ok := serverError(db, err); ok && n == 1146 { // no such table
			return nil
		}
		return fmt.Errorf("check the columns of %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("check the columns of %s: %w", table, err)
	}
	for rows.Next() {
		// Field, Type, Collation, Null, Key, Default, Extra, Privileges,
		// Comment (and more on some servers).
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("check the columns of %s: %w", table, err)
		}
		column, typ, collation := vals[0].String, strings.ToLower(vals[1].String), vals[2].String
		if !strings.HasPrefix(typ, "char") && !strings.HasPrefix(typ, "varchar") {
			continue
		}
		if comparesBytes(collation) {
			continue
		}
		return fmt.Errorf("%w: table %s, column %s is %s with collation %s, under which ids differing in case (or in trailing spaces) are one; "+
			"Bastion's migrations make it VARBINARY: alter it back (ALTER TABLE %s MODIFY %s VARBINARY(...)) and start again",
			ErrCollation, table, column, typ, collation, table, column)
	}
	return rows.Err()
}

// comparesBytes reports whether a MySQL collation compares strings byte
// for byte, trailing spaces included.
func comparesBytes(collation string) bool {
	c := strings.ToLower(collation)
	return c == "binary" || strings.HasSuffix(c, "_nopad_bin") || c == "utf8mb4_0900_bin"
}

var collateClause = regexp.MustCompile(`(?i)\bCOLLATE\s+["'` + "`" + `\[]?(\w+)`)

func checkSQLiteCollations(ctx context.Context, db *DB, tables []string) error {
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE sql IS NOT NULL AND tbl_name IN (?`+strings.Repeat(", ?", len(tables)-1)+`) ORDER BY name`, args...)
	if err != nil {
		return fmt.Errorf("check column collations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			return fmt.Errorf("check column collations: %w", err)
		}
		for _, m := range collateClause.FindAllStringSubmatch(text, -1) {
			if !strings.EqualFold(m[1], "BINARY") {
				return fmt.Errorf("%w: %s declares COLLATE %s, under which ids may compare without regard to case; Bastion's tables compare text byte for byte",
					ErrCollation, name, m[1])
			}
		}
	}
	return rows.Err()
}
