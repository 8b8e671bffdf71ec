package sqldb

// ChangeToken is what a ChangeProbe reads: two equal tokens mean that
// nothing was committed to the database between the two reads.
type ChangeToken [96]byte

// ChangeProbe tells, more cheaply than a query, whether anything was
// committed to a database since an earlier look, by this process or any
// other.
type ChangeProbe interface {
	// Token returns the database's change token now. Any commit that
	// returned before the call, made through any connection of any
	// process, is reflected: a later Token differs from every token read
	// before that commit. Returns ok false if it cannot tell (the caller
	// then reads the database as usual).
	Token() (token ChangeToken, ok bool)
}
