"""Security-questionnaire vocabulary: words that carry no topic, and phrases that name one concept.

General domain knowledge, not tied to any one library or questionnaire. Edit the tables as text: a concept line is
`name: phrase, phrase, ...`; an indented line continues the one above.
"""

# English function words plus the boilerplate that control frameworks repeat in every question
# ("established, documented, approved, communicated ... maintained", "processes, procedures and technical measures").
_STOPWORDS_TEXT = """
    a about above after again all also am an and any applicable applied appropriate approved are as at be been
    before being below between both brief briefly but by can communicated company could csc csp current currently
    defined describe did do documented does doing down during e each eg either enforced ensure established etc
    evaluated explain few for from further g ha had has have having he her here hers how i ie if implemented in
    institution institutional into is it its itself just list maintained may me measures might more most must my no
    nor not now of off on once only or organisation organization organizational other our ours out over own per
    please procedure procedures process processes provide relevant same select shall she should so some such
    technical than that the their theirs them then there these they this those through to too under until up upon
    use used using very via was we were what when where whether which while who whom why will with within would yes
    you your yours
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# Phrases and abbreviations for one concept: "2FA", "two-factor" and "multi-factor authentication" all add the term
# "~mfa", "BCP" and "business continuity" add "~bcp", on the library side and the question side alike.
CONCEPTS_TEXT = """
mfa: mfa, 2fa, multi factor, multifactor, two factor, second factor, 2 factor, otp, one time password,
    authenticator, totp, duo, 2sv, two step
sso: sso, single sign on, saml, saml2, oidc, openid, idp, identity provider, federation, federated, okta, azure ad,
    entra, shibboleth, attribute mapping, attribute mappings, eduperson, external authentication,
    other authentication
directory: ldap, active directory, directory integration, scim
bcp: bcp, business continuity, continuity plan, operational resilience, crisis management
dr: dr, drp, disaster recovery, disaster response, recovery site, rto, rpo, different site, secondary site,
    secondary data center, geographically diverse, geographically separate, recovery time objective,
    recovery point objective
sdlc: sdlc, development lifecycle, development life cycle, secure development, systems development,
    software development lifecycle, secure by design, ssdlc, product lifecycle, security principles by design,
    secure coding techniques
pentest: pentest, pen test, penetration test, penetration testing, pentests, red team
vulnscan: vulnerability scan, vulnerability scanning, vulnerability scans, scanned for vulnerabilities,
    vulnerability scanner, vulnerability scanners, vulnerability detection, vulnerability assessment,
    scanned externally for vulnerabilities, host level vulnerabilities
crypt: encrypt, encryption, encrypted, cryptographic, cryptography, crypto, cipher, ciphers, aes, rsa, ecdhe
tls: tls, ssl, https, hsts, transport layer security, starttls, forward secrecy, dtls
at_rest: at rest, rest encryption, disk encryption, full disk, hard disks
in_transit: in transit, in flight, over the network, network traffic, in transport, transmitted, transmission,
    communication channels, communications between, networking protocols
soc2: soc 2, soc2, ssae 16, ssae 18, ssae, isae 3402, soc 1, type ii, type 2, attestation report,
    independent audit, independent audits, external audit, external audits, third party audit, third party audits,
    independent assessments, independent assessment
iso27001: iso 27001, iso27001, iso iec 27001, 27001, iso 27002, nist csf, cis controls, cybersecurity framework,
    nist 800 53
waf: waf, web application firewall
ddos: ddos, denial of service, dos attack
ids: ids, ips, intrusion detection, intrusion prevention, hids, nids, intrusion
siem: siem, security information and event management, security event, security events, soc team,
    security operations center, security operations centre
edr: edr, xdr, anti malware, antimalware, malware, antivirus, anti virus, virus, endpoint detection
dlp: dlp, data loss prevention, data leakage, data leak, exfiltration, removable media, usb, thumb drive,
    thumb drives
byod: byod, bring your own device, personal device, personal devices, personally owned, mobile device,
    mobile devices, phones and tablets
rbac: rbac, abac, pbac, role based, attribute based, access levels, user roles, roles, authorization,
    authorisation, privilege levels
least_priv: least privilege, need to know, minimum necessary
xss: xss, cross site scripting
csrf: csrf, xsrf, cross site request forgery
sqli: sqli, sql injection, injection, prepared statements, orm
owasp: owasp, top 10, web vulnerabilities, web application security vulnerabilities, common web vulnerabilities,
    clickjacking, input validation
sast: sast, static analysis, static code analysis, static application security testing, linting
dast: dast, dynamic analysis, dynamic application security testing, authenticated scan
sca: sca, sbom, software composition, dependency scanning, bill of materials, open source, third party libraries,
    libraries, dependencies, software supply chain
bgcheck: background check, background checks, background screening, background screenings, background verification,
    criminal record, reference check, new hires
dpa: dpa, data processing agreement, data processing addendum, gdpr, standard contractual clauses
pia: dpia, pia, privacy impact assessment, data protection impact assessment, privacy by design,
    privacy by default
subproc: subprocessor, subprocessors, sub processor, sub processors, sub processing, subcontractor, subcontractors,
    third parties, third party, fourth party
vendor_mgmt: supply chain, vendor risk, third party risk, supplier, suppliers, tprm, vendor management,
    third party management, service providers, partner security
log: log, logs, logging, logged, audit trail, audit log, audit logs, event log, audit records, audit record
patch: patch, patches, patching, security updates, hotfix, hotfixes
harden: hardening, hardened, harden, build standards, build standard, cis benchmark, cis benchmarks, golden image,
    pre hardened, baseline configuration
endpoint: endpoint, endpoints, laptop, laptops, workstation, workstations, client systems, client system,
    client fleet, client devices, desktops, mdm, uem
offboard: offboarding, off boarding, termination, terminated, leaver, leavers, leaves the company,
    separation of employment, change in employment, changes in employment, return of assets
onboard: onboarding, on boarding, new employees, new hire, joiner
insurance: insurance, cyber liability, cyber risk insurance, cyber insurance
breach: breach, breaches, data breach, security incident, security incidents, compromise
kms: kms, hsm, key management, key vault, keys, key, keying material
byok: byok, hyok, customer managed keys, own encryption keys, own keys, manage their own
uptime: uptime, sla, slas, service level, availability commitment, unplanned disruption, outage, outages, downtime
cloud: aws, amazon web services, azure, gcp, google cloud, iaas, paas, cloud provider, cloud providers,
    hosting provider, hosted, data center, data centers, datacenter, datacenters, data centre, colocation
mobile: mobile app, mobile application, app store, google play, ios, android
password: password, passwords, passphrase, passphrases, credentials
session: session, sessions, cookie, cookies, inactivity, idle timeout, timeout, log out, logout, session id,
    session ids
firmware: firmware, device os, ota, over the air
device: sensor, sensors, device, devices, iot, hardware module, particle
change_mgmt: change management, change control, change request, change requests, change review board, cab
retention: retention, retain, retained, archiving, archived, kept for
deletion: deletion, delete, deleted, destroy, destruction, purge, disposal, dispose, sanitize, sanitise,
    sanitization, wipe
training: training, trained, awareness
privileged: privileged, administrator, administrators, admin, admins, root, sudo, domain admin, superuser,
    elevated privileges
vpn: vpn, remote access, zero trust, ztna
segmentation: segmentation, segmented, segregated, dmz, zoning, vlan, vlans, network zone
physical: physical security, badge, swipe card, receptionist, cctv, guards, entry logs, physical access,
    physical entry
gov_req: law enforcement, government request, subpoena, court order, warrant
dsr: data subject, data subjects, right to be forgotten, access request, dsar
residency: data residency, data location, data locations, hosting regions, region, regions, countries, geographic,
    located
ai: ai, artificial intelligence, machine learning, ml, llm, model training
vdp: vulnerability disclosure, bug bounty, security researchers, external researchers,
    report security vulnerabilities, report a vulnerability, security txt
ha: high availability, redundant, redundancy, failover, multi az, availability zones, alternate site
backup: backup, backups, backed up, back up, snapshots, snapshot
restore: restore, restored, restoring, restoration
customer_side: your application, your solution, your product, the application, the system, the product,
    the solution, end users, customer users, institutional accounts, user accounts, local accounts, the platform,
    the service
workforce: employees, employee, staff, workforce, personnel, your organization, internal users, corporate,
    company systems, contractors
notify: notify, notified, notification, notifications, inform, informed, communication plan, escalation, escalated,
    status page, communicate with
ssrm: ssrm, shared responsibility, shared responsibility model, shared security responsibility,
    responsibility matrix
review_cycle: review cycle, reviewed and updated, reviewed annually, reviewed at least annually,
    updated at least annually, annual review, reviewed periodically, kept current, regularly update,
    reviewed and revised
pw_reset: password reset, reset password, forgotten password, forgot password, password recovery, account recovery,
    initial password, initial passwords, reset procedures, reset
sod: separation of duties, segregation of duties, toxic combination, toxic combinations,
    segregated privileged access, segregation of privileged access, separation of duty
secteam: security staff, security team, security office, dedicated information security, security personnel,
    headcount, full time equivalents, fte, security function, security organization
product: product name, product description, name of the application, application name, brief description,
    product or service, service description, application description
company: vendor name, company name, legal entity, business background, ownership structure, parent company,
    subsidiary, subsidiaries, headquarters, headquartered
revoke: revoke, revoked, revocation, de provision, deprovision, deprovisioned, deprovisioning, remove access,
    access removal, access removed, movers, leavers
alert: alert, alerts, alerting, anomalies, anomaly, anomalous, unusual activity, outside of typical, expected patterns
tamper: tamper, tampering, tampered, read only, immutable, write once, worm, integrity protected
inventory: inventory, inventories, cataloged, catalogued, asset register, asset list, cmdb
remote_work: remote work, remote working, work from home, working from home, home office, telework, teleworking,
    remote sites, outside the office, remote employees
clear_desk: clear desk, clear screen, unattended workspaces, unattended workstation, screen lock, screen saver
nda: nda, ndas, non disclosure, confidentiality agreement, confidentiality agreements, employment agreement,
    employment agreements
certs: digital certificate, digital certificates, certificate, certificates, x 509, mtls, mutual tls, pki
export: export, exports, exported, portability, interoperability, retrieve their data, data extraction, extract,
    download their data
incident: incident, incidents, triage, incident response, incident management, forensics, e discovery
threat_intel: threat intelligence, threat feeds, threat feed, advisories, security advisories, cve, cves,
    special interest groups, threat environment, threat landscape, mailing lists
exercise: tested, exercised, tabletop, test, tests, testing, drill, drills
config: configuration management, configuration baseline, configuration baselines, baseline configuration,
    configuration drift, drift, configuration files, infrastructure as code, terraform, cloudformation, ansible
always_on: 24x7, 24 x 7, 24 7, 24 7 365, 24 x 7 x 365, 24 hours, around the clock, round the clock, on call
onsite: consultant, consultants, consulting, on site, onsite, on premises, on prem, professional services,
    installation services, implementation services
support_access: remote support, support staff, support personnel, support engineers, support team,
    customer support, helpdesk, help desk
"""

# Words the stemmer (Snowball English) leaves as they are: acronyms, words whose final "s" is not a plural (business
# is not busy), and words it would merge with a different family: federal is not federation, personal data not a
# person, continuous monitoring not business continuity, a dependency not "depending on", severity not "several",
# authorization (who may do what) not "authorized", and neither is an authority.
_KEEP_WHOLE_TEXT = """
    news process access address business data bias status basis dns aws https ids ips sms kms os ios accessible
    federal personal continuous severity dependency authorization authority
"""
# Nouns for a person or a thing, kept whole with their plural, because the stemmer would merge them with an
# activity: an authenticator is not authentication, a certificate not a certification, a (service) provider not
# "provided", a container not "contains", a (data) controller not a control, a consultant not consulting.
_KEEP_NOUNS_TEXT = """
    authenticator certificate administrator provider container controller officer consultant
"""
KEEP_WHOLE = frozenset((*_KEEP_WHOLE_TEXT.split(), *_KEEP_NOUNS_TEXT.split()))

# Plurals of acronyms the stemmer keeps (it drops an "s" only after a vowel earlier in the word): SLAs, HSMs, VPCs.
_ACRONYM_PLURALS_TEXT = """
    slas ndas dpas hsms vpcs vms kpis plcs ssds cves acls sdks idps cdns
"""

# Words that stem like another word: forms the stemmer would cut apart from their family (it stems recovery to
# "recoveri" but recover to "recov") or merge with a different one (accessibility is not access). Both go through the
# stemmer, so no stem is spelt out here.
STEMS_LIKE = {
    "accessibility": "accessible",
    "recovery": "recover",
    "discovery": "discover",
    "delivery": "deliver",
    "authorities": "authority",
    "businesses": "business",
    "analysis": "analyse",
    "analyses": "analyse",
    "authorisation": "authorization",
    "authorisations": "authorization",
    "authorizations": "authorization",
    "dependencies": "dependency",
    "personally": "personal",
    "continuously": "continuous",
    **{noun + "s": noun for noun in _KEEP_NOUNS_TEXT.split()},
    **{plural: plural[:-1] for plural in _ACRONYM_PLURALS_TEXT.split()},
}


def concept_phrases() -> dict[str, list[str]]:
    """CONCEPTS_TEXT as {concept: [phrase, ...]}."""
    table: dict[str, list[str]] = {}
    current = ""
    for line in CONCEPTS_TEXT.strip().splitlines():
        if not line.startswith(" "):
            current, _, line = line.partition(":")
        table.setdefault(current.strip(), []).extend(p.strip() for p in line.split(",") if p.strip())
    return table
