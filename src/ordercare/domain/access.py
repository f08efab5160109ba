"""Who may do what. A customer user is bound to one customer account."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import Forbidden, NotFound


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    CS_AGENT = "cs_agent"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    CUSTOMER = "customer"


class Permission(StrEnum):
    READ_MASTER = "read_master"  # products, warehouses, price lists
    WRITE_MASTER = "write_master"  # customers, products, warehouses, price lists
    READ_CUSTOMERS = "read_customers"
    PLACE_ORDER = "place_order"
    READ_ORDERS = "read_orders"
    CANCEL_ORDER = "cancel_order"
    RELEASE_CREDIT = "release_credit"
    READ_STOCK = "read_stock"
    ADJUST_STOCK = "adjust_stock"
    MANAGE_RECEIPTS = "manage_receipts"
    QUOTE = "quote"
    MANAGE_USERS = "manage_users"
    FULFIL = "fulfil"  # release, pick, load, route, ship
    RECORD_DELIVERY = "record_delivery"  # proof of delivery, installation
    MANAGE_CARRIERS = "manage_carriers"  # carriers, rate tables, vehicles
    READ_SHIPMENTS = "read_shipments"
    MANAGE_WEBHOOKS = "manage_webhooks"  # subscriptions, delivery history, redelivery (a customer: its own)
    READ_OUTBOX = "read_outbox"  # outbox messages and the e-mails sent
    MANAGE_OUTBOX = "manage_outbox"  # resend e-mails
    CONTACT_PREFERENCES = "contact_preferences"  # which e-mails a customer gets, where (a customer: its own)
    READ_SERVICE = "read_service"  # cases, returns, CSAT (a customer: its own)
    OPEN_CASE = "open_case"  # log a case, add a note, answer a survey
    WORK_CASES = "work_cases"  # acknowledge, investigate, recover, resolve, close
    REQUEST_RETURN = "request_return"
    AUTHORISE_RETURN = "authorise_return"  # authorise, refuse and resolve returns
    RECEIVE_RETURN = "receive_return"  # goods in, inspection and disposition
    MANAGE_SERVICE = "manage_service"  # SLA policies, calendars, returns policies, account reps, escalation run
    PERSONAL_DATA = "personal_data"  # export and erase a customer's personal data
    MANAGE_PARTNERS = "manage_partners"  # EDI trading partners and their cross-references
    EXCHANGE_EDI = "exchange_edi"  # receive X12 interchanges, generate 855/856/810, read what was exchanged
    IMPORT_DATA = "import_data"  # customers, products, stock and receipts from files
    IMPORT_ORDERS = "import_orders"  # orders from files (a customer: its own account only)
    EXPORT_DATA = "export_data"  # orders, shipments, invoices, … to CSV/Excel (a customer: its own)
    READ_INVOICES = "read_invoices"  # invoices, credit notes, payments, open items (a customer: its own)
    DISPUTE_INVOICE = "dispute_invoice"  # flag an invoice as wrong
    BILL = "bill"  # invoice runs, cancellations, payments, refunds, dunning, disputes, billing set-up
    CREDIT_CUSTOMER = "credit_customer"  # raise a credit note
    READ_RECEIVABLES = "read_receivables"  # aging, DSO, every customer's payments, the ledger check
    READ_ANALYTICS = "read_analytics"  # inventory policy, fill-rate curve, stockout cost
    MANAGE_POLICY = "manage_policy"  # policy settings, lead times, stockout outcomes, lead-time offer rules
    READ_SERVICE_REPORT = "read_service_report"  # KPI reports, root-cause Pareto (a customer: its own KPIs only)
    REBUILD_MEASURES = "rebuild_measures"  # recompute every measure's facts and summaries
    CHECK_INVARIANTS = "check_invariants"  # run the invariant checker over the whole database
    RUN_SIMULATION = "run_simulation"  # run the simulator (into a separate database) from the web (admin only)


P = Permission
_STAFF_READ = {P.READ_MASTER, P.READ_CUSTOMERS, P.READ_ORDERS, P.READ_STOCK, P.READ_SHIPMENTS, P.READ_SERVICE}
_SERVICE_DESK = {P.OPEN_CASE, P.WORK_CASES, P.REQUEST_RETURN, P.AUTHORISE_RETURN}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset(_STAFF_READ | {P.WRITE_MASTER, P.PLACE_ORDER, P.CANCEL_ORDER, P.QUOTE,
                                           P.MANAGE_RECEIPTS, P.ADJUST_STOCK, P.FULFIL, P.RECORD_DELIVERY,
                                           P.MANAGE_CARRIERS, *_SERVICE_DESK, P.RECEIVE_RETURN,
                                           P.MANAGE_SERVICE, P.PERSONAL_DATA, P.READ_INVOICES,
                                           P.DISPUTE_INVOICE, P.CREDIT_CUSTOMER, P.READ_RECEIVABLES}),
    Role.CS_AGENT: frozenset(_STAFF_READ | {P.PLACE_ORDER, P.CANCEL_ORDER, P.QUOTE, P.RECORD_DELIVERY,
                                            *_SERVICE_DESK, P.READ_INVOICES, P.DISPUTE_INVOICE}),
    Role.WAREHOUSE: frozenset(_STAFF_READ | {P.MANAGE_RECEIPTS, P.ADJUST_STOCK, P.FULFIL, P.RECORD_DELIVERY,
                                             P.RECEIVE_RETURN}),
    Role.FINANCE: frozenset(_STAFF_READ | {P.RELEASE_CREDIT, P.CANCEL_ORDER, P.READ_INVOICES, P.DISPUTE_INVOICE,
                                           P.BILL, P.CREDIT_CUSTOMER, P.READ_RECEIVABLES}),
    # A customer reads the catalogue and its own account only (scoped by customer_id).
    Role.CUSTOMER: frozenset({P.READ_MASTER, P.PLACE_ORDER, P.READ_ORDERS, P.CANCEL_ORDER, P.QUOTE,
                              P.READ_SERVICE, P.OPEN_CASE, P.REQUEST_RETURN, P.READ_INVOICES, P.DISPUTE_INVOICE}),
}

# Integrations (admin has every permission already).
for _role, _extra in {Role.MANAGER: {P.MANAGE_PARTNERS, P.EXCHANGE_EDI, P.IMPORT_DATA, P.IMPORT_ORDERS, P.EXPORT_DATA},
                      Role.CS_AGENT: {P.EXCHANGE_EDI, P.IMPORT_ORDERS, P.EXPORT_DATA},
                      Role.WAREHOUSE: {P.EXPORT_DATA}, Role.FINANCE: {P.EXPORT_DATA},
                      Role.CUSTOMER: {P.IMPORT_ORDERS, P.EXPORT_DATA}}.items():
    GRANTS[_role] = GRANTS[_role] | _extra

# Outbox: webhooks and e-mail notifications (admin has every permission already).
for _role, _extra in {Role.MANAGER: {P.MANAGE_WEBHOOKS, P.READ_OUTBOX, P.MANAGE_OUTBOX, P.CONTACT_PREFERENCES},
                      Role.CS_AGENT: {P.READ_OUTBOX, P.CONTACT_PREFERENCES},
                      Role.CUSTOMER: {P.MANAGE_WEBHOOKS, P.CONTACT_PREFERENCES}}.items():
    GRANTS[_role] = GRANTS[_role] | _extra

# Service versus cost (admin has every permission already).
GRANTS[Role.MANAGER] = GRANTS[Role.MANAGER] | {P.READ_ANALYTICS, P.MANAGE_POLICY}

# Service measurement (admin has every permission already).
GRANTS[Role.MANAGER] = GRANTS[Role.MANAGER] | {P.READ_SERVICE_REPORT}
GRANTS[Role.CUSTOMER] = GRANTS[Role.CUSTOMER] | {P.READ_SERVICE_REPORT}

# Reliability: the invariant checker reads every account's books (admin has every permission already).
GRANTS[Role.MANAGER] = GRANTS[Role.MANAGER] | {P.CHECK_INVARIANTS}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    customer_id: int | None = None  # set for customer users only

    @property
    def is_customer(self) -> bool:
        return self.role is Role.CUSTOMER

    def require(self, permission: Permission) -> None:
        if permission not in GRANTS[self.role]:
            raise Forbidden("forbidden", f"role '{self.role}' may not {permission.replace('_', ' ')}",
                            permission=str(permission))

    def require_account(self, customer_id: int, what: str = "order") -> None:
        """A customer user touching another account is told it does not exist (no leak)."""
        if self.is_customer and customer_id != self.customer_id:
            raise NotFound(f"{what}_not_found", f"no such {what}")


SYSTEM = Actor(None, "system", Role.ADMIN)
