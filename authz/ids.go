package authz

import "fmt"

// maxIDLen bounds every id Bastion stores (Slack ids are 9 to 12 characters).
const maxIDLen = 64

// ValidateID reports whether id is usable as a user, team or entity id:
// 1 to 64 characters from A-Z, a-z, 0-9, '_', '-', '.' and ':'.
func ValidateID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%s id is empty", kind)
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("%s id is %d bytes long, at most %d allowed", kind, len(id), maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return fmt.Errorf("%s id %q may hold only A-Z a-z 0-9 and the characters _ - . : (colon)", kind, id)
		}
	}
	return nil
}

// ValidateName reports whether name is an UPPER_SNAKE permission or role
// name: 1 to 64 characters, starting with a letter, made of A-Z, 0-9 and '_'.
func ValidateName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("%s name is empty", kind)
	}
	if len(name) > maxIDLen {
		return fmt.Errorf("%s name %.20q… is longer than %d bytes", kind, name, maxIDLen)
	}
	if name[0] < 'A' || name[0] > 'Z' {
		return fmt.Errorf("%s name %q must start with a letter A-Z (names are UPPER_SNAKE)", kind, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("%s name %q must be UPPER_SNAKE (A-Z, 0-9, _)", kind, name)
		}
	}
	return nil
}
