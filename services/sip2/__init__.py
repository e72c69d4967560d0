"""SIP2 2.00: the protocol self-service terminals speak to a library system.

``codec`` reads and writes the messages (``messages`` lists them);
``listener`` answers them from Mana's engine (``mana serve``'s
``[server.sip2]``); ``client`` and ``accounts`` let the kiosk take its
patrons' accounts from another library system's SIP2 server. Nothing here
imports Textual.
"""
