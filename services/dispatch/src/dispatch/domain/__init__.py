"""The dispatch domain: pure rules, no I/O.

vocabulary   EngineerTier, TeamKind, DayFilter
people       Engineer, Skills, Team
rosters      Roster, RotationLayer, Override, Swap, Absence; on_duty, who_is_on_duty, shifts, coverage_gaps
routing      CaseToRoute, Workload, route, route_burst: filter, score, explain
sla_actions  Firing, SlaAction, plan_replacement (the 45-minute rule: replace, never append)
loaners      Loaner: issue, remind, return, the 3-month transfer to the customer
"""
