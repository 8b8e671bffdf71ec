// Command bastion runs Bastion: the permission service, the back-office bot
// and the tools around them. It is package bastion's Main with only the
// built-in commands; build a binary with your own the same way.
package main

import "github.com/bastionhq/bastion"

func main() { bastion.Main() }
