"""The forum's rules and values, free of HTTP, SQL and NATS.

Who may see and moderate what is the library's rule (:mod:`peerlearn.directory.caller`, DESIGN
§6), the same in every service; what is the forum's own lives here: who creates which space
(:mod:`.spaces`), the posting limit (:mod:`.posting`), reputation (:mod:`.reputation`), votes
(:mod:`.votes`), flags (:mod:`.flags`), text (:mod:`.text`), cursors (:mod:`.cursors`) and ids
(:mod:`.ids`).
"""
