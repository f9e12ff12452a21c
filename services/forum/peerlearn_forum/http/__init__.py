"""The forum's HTTP side: controllers (thin: parse, call one use case, return a Struct), the
request and response Structs (:mod:`.schemas`), rows as responses (:mod:`.views`), and the list
of controllers the app serves (:mod:`.routes`)."""
