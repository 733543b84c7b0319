"""The money path: payment service providers, benefit plans and their criteria, enrolment, payment cycles,
payroll generation with maker-checker approval, payroll sheets and provider payment files. No Qt."""
