"""The profiles HTTP side: controllers (thin: parse, call one use case, return a Struct), the
request and response Structs (:mod:`.schemas`), records as responses (:mod:`.views`), and the
routers the app serves (:mod:`.routes`)."""
