<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>AppController</name>
    <message>
        <location filename="../../cashdesk/ui/app.py" line="83"/>
        <source>Creating the demo district…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/app.py" line="91"/>
        <source>Demo district</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/app.py" line="104"/>
        <source>Database upgraded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/app.py" line="106"/>
        <source>The database was upgraded to this version of CashDesk. The previous copy is kept at {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/app.py" line="134"/>
        <source>CashDesk</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AuditScreen</name>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="76"/>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="172"/>
        <source>Audit trail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="82"/>
        <source>All users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="83"/>
        <source>All actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="84"/>
        <source>All records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="89"/>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="98"/>
        <source>Search record id or text…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="111"/>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="117"/>
        <source>Verify the trail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="129"/>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="130"/>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="131"/>
        <source>Who</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="132"/>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="135"/>
        <source>Record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="142"/>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="158"/>
        <source>Select an entry to see what changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="215"/>
        <source>{n:,} entries</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="224"/>
        <source>Checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="230"/>
        <source>✔ Intact: {n:,} entries checked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/audit_trail.py" line="234"/>
        <source>✘ Broken at entry {seq}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="96"/>
        <source>Change your password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="99"/>
        <source>Your password was set by an administrator. Choose your own before you continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="101"/>
        <source>Choose a new password of at least 8 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="110"/>
        <source>Current password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="111"/>
        <source>New password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="112"/>
        <source>Type it again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="117"/>
        <source>Change password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="130"/>
        <source>The two new passwords are different.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="33"/>
        <source>Welcome to CashDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="38"/>
        <source>&lt;h2&gt;Set up CashDesk&lt;/h2&gt;&lt;p&gt;This laptop has no scheme yet. Name the scheme you run, and create the first administrator, who will then add the other users.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="45"/>
        <source>e.g. Social Cash Transfer Programme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="60"/>
        <source>Load a demo district (2,000 households) to try things out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="64"/>
        <source>Scheme name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="65"/>
        <source>Country</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="66"/>
        <source>Currency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="67"/>
        <source>Administrator user name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="68"/>
        <source>Administrator full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="69"/>
        <source>Password (8 characters or more)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="70"/>
        <source>Type the password again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="72"/>
        <source>Data folder: {folder}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="80"/>
        <source>Create scheme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="106"/>
        <source>The two passwords are different.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="39"/>
        <source>households</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="40"/>
        <source>people registered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="41"/>
        <source>villages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="42"/>
        <source>pay points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="43"/>
        <source>payment providers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="44"/>
        <source>active users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="45"/>
        <source>records not yet synced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="59"/>
        <source>Home</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/home.py" line="68"/>
        <source>{country} · amounts in {currency} · device {device}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <location filename="../../cashdesk/ui/lock_screen.py" line="23"/>
        <source>CashDesk locked itself after a while without use. Your unsaved work is kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/lock_screen.py" line="27"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/lock_screen.py" line="30"/>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/lock_screen.py" line="33"/>
        <source>Log out (unsaved work is lost)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/lock_screen.py" line="46"/>
        <source>Locked. {name}, type your password to continue.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="35"/>
        <source>CashDesk: log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="37"/>
        <source>&lt;h2&gt;CashDesk&lt;/h2&gt;&lt;p&gt;Log in to continue. No connection is needed.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="39"/>
        <source>user name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="43"/>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="44"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="46"/>
        <source>Database: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="52"/>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/login.py" line="65"/>
        <source>Type your user name.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="43"/>
        <source>CashDesk — {scheme}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="99"/>
        <source>Working…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="105"/>
        <source>&amp;Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="106"/>
        <source>Change my password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="108"/>
        <source>Lock now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="111"/>
        <source>Log out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="115"/>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="116"/>
        <location filename="../../cashdesk/ui/main_window.py" line="120"/>
        <source>About CashDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="121"/>
        <source>CashDesk {version}
Offline-first cash transfer management.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="133"/>
        <source>{name} ({role})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="135"/>
        <source>Database: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="152"/>
        <source>● Offline · last synced {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/main_window.py" line="154"/>
        <source>● Offline · never synced</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OpsHub</name>
    <message>
        <location filename="../../cashdesk/ui/ops.py" line="93"/>
        <location filename="../../cashdesk/ui/ops.py" line="152"/>
        <location filename="../../cashdesk/ui/ops.py" line="191"/>
        <source>CashDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/ops.py" line="151"/>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/ops.py" line="159"/>
        <source>Cancelling...</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="150"/>
        <source>Recovery key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="153"/>
        <source>&lt;h3&gt;Write down this recovery key&lt;/h3&gt;&lt;p&gt;If every administrator forgets their password, or the key file is lost, this key is the only way to open the database. Keep it on paper in a locked place: whoever has it can read the data.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="163"/>
        <source>I have written the recovery key down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/dialogs/first_run.py" line="165"/>
        <source>Continue</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsScreen</name>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="22"/>
        <location filename="../../cashdesk/ui/screens/settings.py" line="52"/>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="27"/>
        <source> minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="32"/>
        <source>Scheme name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="33"/>
        <source>Lock the window after</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="34"/>
        <source>Country</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="35"/>
        <source>Currency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="36"/>
        <source>Device code (starts every code issued here)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="40"/>
        <source>Save settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/settings.py" line="78"/>
        <source>Saved.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UserDialog</name>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="107"/>
        <source>Edit user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="107"/>
        <source>New user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="132"/>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="133"/>
        <source>Full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="134"/>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="135"/>
        <source>Works in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="137"/>
        <source>Temporary password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="138"/>
        <source>Type it again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="141"/>
        <source>Enrolment officers register households only in the areas ticked here. A new user must change the temporary password at first login.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="177"/>
        <source>The two passwords are different.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsersModel</name>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="46"/>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="47"/>
        <source>Full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="48"/>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="49"/>
        <source>Areas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="50"/>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="51"/>
        <source>Last login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="80"/>
        <source>active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="80"/>
        <source>deactivated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="82"/>
        <source>active (temporary password)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="86"/>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsersScreen</name>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="208"/>
        <location filename="../../cashdesk/ui/screens/users.py" line="240"/>
        <source>Users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="220"/>
        <source>New user…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="221"/>
        <source>Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="222"/>
        <source>Reset password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="223"/>
        <location filename="../../cashdesk/ui/screens/users.py" line="254"/>
        <source>Deactivate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="254"/>
        <source>Reactivate…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="272"/>
        <source>Temporary password for {name} (they must change it at next login):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="283"/>
        <location filename="../../cashdesk/ui/screens/users.py" line="295"/>
        <source>Reset password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="292"/>
        <source>Password reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="293"/>
        <source>{name} can log in with the temporary password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="306"/>
        <source>Deactivate user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="307"/>
        <source>Deactivate {name}? They will not be able to log in; their past work stays.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../cashdesk/ui/screens/users.py" line="316"/>
        <source>Reactivate user</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
