"""The Inspection: who really holds power, and where authority outgrows office.

Pure functions of a polity's state and record: the power map between posts
(`graph`), who controls whom (`control`), formal against effective voting power
(`power`), and findings with their evidence (`findings`, `report`).
"""
